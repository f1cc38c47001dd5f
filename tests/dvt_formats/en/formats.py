DATETIME_FORMAT = r"j F Y \a\t H:i"
