"""Candidates: contact details kept from panels, aliases, applications, shortlisting."""
