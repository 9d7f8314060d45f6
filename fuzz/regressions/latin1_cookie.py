# -*- coding: latin-1 -*-
try:
    x = "café"
except:
    pass
