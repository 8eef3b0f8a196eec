# ruff: noqa
# A Django queryset chain ending in .extra(): the call starts six lines above the gated .extra( token.
from django.http import JsonResponse

from .models import Article


def search(request):
    q = request.GET.get("q", "")
    articles = (
        Article.objects
        .filter(published=True)
        .select_related("author")
        .prefetch_related("tags")
        .order_by("-created")
        # ruleid: sql-injection-taint-django-raw
        .extra(where=["title LIKE '%%" + q + "%%'"])
    )
    return JsonResponse({"ids": [a.pk for a in articles]})
