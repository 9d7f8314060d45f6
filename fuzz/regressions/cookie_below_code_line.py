 0 
#!/usr/bin/e*- coding:/utf-8 -*-
print(f"hello")   
try: 
   x = 1
except:
    pass
