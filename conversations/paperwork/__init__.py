"""Papers sent up the Party line: the printable .xlsx layout, the cell's collective report
draft (Mẫu 01) and the committee's list of results. Always in Vietnamese."""
