from django import forms
from django.contrib import admin

from .models import (
    Answer,
    Audit,
    Council,
    CouncilEvent,
    FactorScore,
    Framework,
    Intervention,
    Membership,
    PolicyResponse,
    Question,
    Service,
)


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 1


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ServiceInline, MembershipInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "council"]
    list_filter = ["council"]
    search_fields = ["name", "council__name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "council", "role"]
    list_filter = ["role", "council"]
    search_fields = ["user__username", "user__email", "council__name"]
    autocomplete_fields = ["user", "council"]


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0

    def has_change_permission(self, request, obj=None):
        return not framework_in_use(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return not framework_in_use(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not framework_in_use(obj) and super().has_delete_permission(request, obj)

    fields = ["factor", "code", "theme", "order", "prompt", "guidance", "level_1", "level_2", "level_3", "level_4"]


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "is_current", "created_at"]
    inlines = [QuestionInline]


def framework_in_use(framework) -> bool:
    """A question bank answered in any audit is frozen: publish a new version instead."""
    return framework is not None and framework.audits.exists()


def unfrozen(framework):
    """The framework, or a form error when audits use it (its content is frozen)."""
    if framework_in_use(framework):
        raise forms.ValidationError(
            f"Question bank {framework.version} is used by audits and frozen: publish a new version instead."
        )
    return framework


class QuestionAdminForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "framework",
            "factor",
            "code",
            "theme",
            "order",
            "prompt",
            "guidance",
            "level_1",
            "level_2",
            "level_3",
            "level_4",
        ]

    def clean_framework(self):
        return unfrozen(self.cleaned_data["framework"])


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionAdminForm
    list_display = ["code", "factor", "theme", "framework"]
    list_filter = ["framework", "factor"]
    search_fields = ["code", "prompt", "theme"]

    def has_change_permission(self, request, obj=None):
        return not (obj and framework_in_use(obj.framework)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and framework_in_use(obj.framework)) and super().has_delete_permission(request, obj)


class InterventionInlineForm(forms.ModelForm):
    class Meta:
        model = Intervention
        fields = ["code", "title", "description", "order", "questions"]

    def clean(self):
        cleaned = super().clean()
        response = getattr(self.instance, "response", None)
        if response is not None and response.framework_id and cleaned.get("questions") is not None:
            self.instance.check_questions(cleaned["questions"])
        return cleaned


class InterventionInline(admin.StackedInline):
    model = Intervention
    form = InterventionInlineForm
    extra = 1
    filter_horizontal = ["questions"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "questions":
            framework_id = getattr(request, "_response_framework_id", None)
            queryset = Question.objects.order_by("framework", "order")
            kwargs["queryset"] = queryset.filter(framework_id=framework_id) if framework_id else queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class PolicyResponseAdminForm(forms.ModelForm):
    class Meta:
        model = PolicyResponse
        fields = ["framework", "factor", "title", "summary"]

    def clean_framework(self):
        return unfrozen(self.cleaned_data["framework"])


@admin.register(PolicyResponse)
class PolicyResponseAdmin(admin.ModelAdmin):
    """Responses and interventions belong to a question bank's version and are frozen with it
    once an audit uses the bank, so that a report never changes after the event."""

    form = PolicyResponseAdminForm
    list_display = ["title", "factor", "framework"]
    list_filter = ["framework", "factor"]
    inlines = [InterventionInline]

    def get_form(self, request, obj=None, **kwargs):
        request._response_framework_id = obj.framework_id if obj else None
        return super().get_form(request, obj, **kwargs)

    def has_change_permission(self, request, obj=None):
        return not (obj and framework_in_use(obj.framework)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and framework_in_use(obj.framework)) and super().has_delete_permission(request, obj)


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "rating", "dont_know", "confidence", "answered_by", "updated_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class FactorScoreInline(admin.TabularInline):
    model = FactorScore
    extra = 0
    fields = ["factor", "score", "answered", "dont_know", "total", "evidence_strength"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Audit)
class AuditAdmin(admin.ModelAdmin):
    """Audits are read here; they change through the app so that every rule applies."""

    list_display = ["council", "service", "period", "revision", "status", "updated_at"]
    list_filter = ["status", "period", "council"]
    search_fields = ["council__name", "service__name"]
    list_select_related = ["council", "service"]
    inlines = [FactorScoreInline, AnswerInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        """Only drafts may be deleted: submitted and approved audits are the council's record."""
        return obj is not None and obj.status == "draft" and super().has_delete_permission(request, obj)


@admin.register(CouncilEvent)
class CouncilEventAdmin(admin.ModelAdmin):
    """A council's own history (deleted drafts): read-only, the record of what happened."""

    list_display = ["at", "council", "kind", "user"]
    list_filter = ["kind", "council"]
    readonly_fields = ["council", "at", "user", "kind", "detail"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
