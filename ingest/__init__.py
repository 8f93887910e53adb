"""Getting data in: mappings from source files to the ontology, validation, quarantine, loaders,
entity resolution and the synthetic customs world."""
