"""The application shell: settings and the `hub` command."""
