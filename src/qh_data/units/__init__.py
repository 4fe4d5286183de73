"""Administrative units over time: unit versions, their lineage across a rearrangement, and the CSV
layouts a rearrangement is loaded from. No database here (issue 14's groundwork): ``lineage`` is the
in-memory model the schema stage loads into tables; ``lineage_csv`` reads and checks the files."""
