"""evalkit: 部门整体支出绩效自评工作簿 (department overall-expenditure performance self-evaluation).

Load the year's spreadsheets, validate them with located messages, compute the report's figures
exactly as reports print them, score them against a jurisdiction's indicator framework, and render
a self-contained Chinese HTML report.
"""

__version__ = "0.1.0"
