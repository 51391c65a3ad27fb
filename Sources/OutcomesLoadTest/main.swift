print("load test")
