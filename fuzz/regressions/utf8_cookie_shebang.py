#!/usr/bin/env python3
# -*- coding: utf-8 -*-
print(f"hello")   
try:
    x = 1
except:
    pass
