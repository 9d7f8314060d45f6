from os import getenv
TOKEN = getenv("API_TOKEN", "dev")  # 