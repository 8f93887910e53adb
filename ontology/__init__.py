"""The domain as data: node labels, relationship types, properties and value types."""

from ontology.model import NodeType, Ontology, OntologyError, Property, RelationshipType, get_ontology

__all__ = ["NodeType", "Ontology", "OntologyError", "Property", "RelationshipType", "get_ontology"]
