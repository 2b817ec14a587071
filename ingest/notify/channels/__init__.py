"""The delivery channels of alarm notices: webhook, MQTT and e-mail, one module each."""
