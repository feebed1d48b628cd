"""The application shell: the `hub` command."""

import warnings

from authlib.deprecate import AuthlibDeprecationWarning

# authlib switches its own deprecation warnings on for every program that imports it (a
# simplefilter "always" at import), which would print two lines of a library's advice before
# every command's one line. They are for whoever upgrades the dependencies, and the tests show
# them; an operator's terminal does not.
warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)
