"""GraphQL modules. Each module listed here contributes ``Query``, ``Mutation`` and/or ``Subscription``
classes that ``api/schema.py`` merges into the one schema."""

MODULES = [
    "api.graphql.entities",
    "api.graphql.alerts",
    "api.graphql.tagging",
    "api.graphql.analysis",
    "api.graphql.scoring",
    "api.graphql.resolution",
    "api.graphql.tracks",
    "api.graphql.imaging",
    "api.graphql.casefiles",
    "api.graphql.admin",
]
