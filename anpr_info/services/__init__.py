"""Every write of the ANPR module goes through a service here (sources, submissions, releases)."""
