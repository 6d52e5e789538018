"""Reports for meetings: workbooks and printable pages built from geodata tables and layers maps."""
