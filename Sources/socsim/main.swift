print("socsim")
