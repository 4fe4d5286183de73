"""``python -m qh_data.synth``: the same as ``qh demo synth``."""

import sys

from .store import main

sys.exit(main())
