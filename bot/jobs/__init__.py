"""The job lifecycle: admission (service), submission and polling (runner), the poll schedule."""
