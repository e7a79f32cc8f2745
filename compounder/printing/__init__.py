"""Sending the documents to the pharmacy's printers: the PDF itself to a CUPS queue at the
document's own page size (``spool``), and a label as ZPL to a Zebra printer (``zpl``).

No Qt: the window, the command line and the tests print through the same functions.
"""
