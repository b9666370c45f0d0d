
app_name = "touchpoints"
urlpatterns: list[object] = []
