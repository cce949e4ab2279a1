from django.contrib import admin

from .models import Comment, Thread


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    fields = ["created_at", "author", "to", "body"]
    readonly_fields = fields


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["audit", "question", "comments_count", "last_at", "resolved_at"]
    list_select_related = ["audit__council", "audit__service", "question"]
    inlines = [CommentInline]
    readonly_fields = ["audit", "question", "opened_by", "opened_at", "last_author", "last_to", "last_at"]
