"""The graph store: one interface, the embedded FalkorDB, an external FalkorDB and Neo4j backends."""
