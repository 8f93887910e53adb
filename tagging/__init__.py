"""The label system: a classified, graded, layered tag hierarchy, declarative rules, tagging and profiles."""
