import OutcomesStatistics
print("benchmarks: none yet")
