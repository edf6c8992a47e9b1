"""Browsing the catalogue: the role listing and company-type pages (views, urls), their filters
and search ranking (filters.py), the shared lenient form fields (forms.py), Chinese search
segmentation (search.py), pinyin, sorting and highlighting (text.py), and the feeds (feeds.py)."""
