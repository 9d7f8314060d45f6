try:
    x = "ÿþ"
except:
    pass
