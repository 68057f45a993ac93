"""Files made from reports: a spreadsheet, a CSV table, a Word draft, a chart. Each
module is a pure function from report objects (and a Translator for the headings) to
bytes; the use cases decide when to run them (off the event loop) and how to name them.
"""
