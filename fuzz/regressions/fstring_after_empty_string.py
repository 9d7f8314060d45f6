ff""	""f""	""f"PASS"	

f"PASS"""f"PASS"	

f