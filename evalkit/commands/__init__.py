"""The command line: one module per ``evalkit`` command (``register(subparsers)`` + a handler).

Commands sit on top of everything else: they parse arguments, call the library (``pipeline``,
``runner``, ``audit``, ``monitor``, ``template``) and print; nothing in the library imports them.
``evalkit.cli`` assembles them.
"""
