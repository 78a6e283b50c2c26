import sys

from idc.entry import main

sys.exit(main())
