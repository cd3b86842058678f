"""HTTP plumbing every endpoint shares: the error shape and its messages, the JSON body, headers,
gzip, the OpenAPI document, field schemas, signed links, the CSV writer, PINs and time."""
