"""What is not product code: the demo office (tools.demo) and the benchmark (tools.bench).

Above every app: it may import any of them, and none imports it.
"""
