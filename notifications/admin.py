from django.contrib import admin

from .models import Email


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    """What was sent to whom, and what failed (read-only: the record of what happened)."""

    list_display = ["created_at", "to", "kind", "subject", "sent_at", "attempts", "gave_up_at"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter), ("gave_up_at", admin.EmptyFieldListFilter)]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in Email._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
