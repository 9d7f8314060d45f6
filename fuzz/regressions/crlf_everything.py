import json
import logging

def load(cur, body):
    try:
        row = cur.fetchone()[0]
    except:
        pass
    print(f"done")
    return json.loads(body)
