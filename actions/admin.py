"""The site administrator sees and can delete action plans (for instance before an import
replaces a council's audits); planning and updating happen in the app, where the rules are."""

from django.contrib import admin

from .models import Action, ActionEvent, ProgressNote, Reminder


class ProgressNoteInline(admin.TabularInline):
    model = ProgressNote
    extra = 0
    readonly_fields = ["on", "text", "author", "created_at"]
    can_delete = False


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["title", "council", "service", "factor", "status", "due"]
    list_filter = ["status", "factor", "council"]
    search_fields = ["title", "council__name", "partner"]
    list_select_related = ["council", "service"]
    inlines = [ProgressNoteInline]

    def has_add_permission(self, request):
        return False  # planned from an audit's page, where the rules are checked

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ActionEvent)
class ActionEventAdmin(admin.ModelAdmin):
    list_display = ["action", "kind", "at", "user"]
    list_select_related = ["action", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(Reminder)
