from django.urls import path

from . import views

app_name = "teams"
urlpatterns = [
    path("", views.home, name="home"),
    path("office/", views.office, name="office"),
    path("goals/", views.coverage_goals, name="goals"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/target/", views.target_update, name="target"),
    path("<int:pk>/rebalance/", views.rebalance, name="rebalance"),
    path("<int:pk>/rebalance/preview/", views.rebalance_preview, name="rebalance_preview"),
    path("<int:pk>/rebalance/confirm/", views.rebalance_confirm, name="rebalance_confirm"),
]
