"""URLs of the plans app, mounted under clients/<uuid:client>/ (namespace "plans").

GET pages come before the workflow POSTs, and destructive ones last, so that the
isolation matrix, which walks them in this order against one world, reads every page
before a POST changes it."""

from django.urls import path

from plans.views import drills, plan, risks

app_name = "plans"

urlpatterns = [
    # crisis plan and revisions
    path("plan/", plan.PlanView.as_view(), name="plan"),
    path("plan/settings/", plan.PlanSettingsView.as_view(), name="plan_settings"),
    path("plan/print/", plan.PlanPrintView.as_view(), name="plan_print"),
    path("plan/revisions/<uuid:pk>/", plan.RevisionView.as_view(), name="revision"),
    path("plan/revisions/<uuid:pk>/diff/", plan.RevisionDiffView.as_view(), name="revision_diff"),
    path(
        "plan/revisions/<uuid:pk>/edit/<slug:section>/",
        plan.RevisionSectionView.as_view(),
        name="revision_section",
    ),
    path(
        "plan/revisions/<uuid:pk>/scenarios/new/",
        plan.ScenarioCreateView.as_view(),
        name="scenario_create",
    ),
    path("plan/scenarios/<uuid:pk>/", plan.ScenarioView.as_view(), name="scenario"),
    path("plan/scenarios/<uuid:pk>/edit/", plan.ScenarioEditView.as_view(), name="scenario_edit"),
    path(
        "plan/scenarios/<uuid:pk>/delete/",
        plan.ScenarioDeleteView.as_view(),
        name="scenario_delete",
    ),
    # risk register
    path("risks/", risks.RiskListView.as_view(), name="risks"),
    path("risks/heatmap/", risks.RiskHeatmapView.as_view(), name="risk_heatmap"),
    path("risks/export.csv", risks.RiskExportView.as_view(), name="risks_export"),
    path("risks/new/", risks.RiskCreateView.as_view(), name="risk_create"),
    path("risks/<uuid:pk>/", risks.RiskDetailView.as_view(), name="risk"),
    path("risks/<uuid:pk>/edit/", risks.RiskEditView.as_view(), name="risk_edit"),
    # drills and training
    path("drills/", drills.DrillListView.as_view(), name="drills"),
    path("drills/new/", drills.ExerciseCreateView.as_view(), name="drill_create"),
    path("drills/<uuid:pk>/", drills.ExerciseDetailView.as_view(), name="drill"),
    path("drills/<uuid:pk>/edit/", drills.ExerciseEditView.as_view(), name="drill_edit"),
    path("training/new/", drills.TrainingCreateView.as_view(), name="training_create"),
    path("training/<uuid:pk>/edit/", drills.TrainingEditView.as_view(), name="training_edit"),
    # workflow writes (POST only)
    path("plan/start/", plan.PlanStartView.as_view(), name="plan_start"),
    path(
        "plan/revisions/<uuid:pk>/submit/",
        plan.RevisionSubmitView.as_view(),
        name="revision_submit",
    ),
    path(
        "plan/revisions/<uuid:pk>/return/",
        plan.RevisionReturnView.as_view(),
        name="revision_return",
    ),
    path(
        "plan/revisions/<uuid:pk>/approve/",
        plan.RevisionApproveView.as_view(),
        name="revision_approve",
    ),
    path(
        "plan/revisions/<uuid:pk>/discard/",
        plan.RevisionDiscardView.as_view(),
        name="revision_discard",
    ),
]
