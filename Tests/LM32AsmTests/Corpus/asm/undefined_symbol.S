.text
_start:
	bi nowhere
