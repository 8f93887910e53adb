"""The core layer every other package may import: settings, the clock, the side databases.

Nothing here imports an analysis, the API, the dashboards or the CLI.
"""
