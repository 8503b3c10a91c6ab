print("mashup")
