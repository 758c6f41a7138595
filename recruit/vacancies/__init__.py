"""Vacancies and their workflow from draft to closed."""
