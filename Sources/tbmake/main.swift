print("tbmake")
