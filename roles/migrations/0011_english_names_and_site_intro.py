"""Every vocabulary gets an English name (required from now on), and the home page introduces
the site in its own voice (Chinese and English) instead of the article's lead paragraph.

Existing rows get the English names the catalogue file (fixtures/catalogue.json) gives them,
where they have none; a page's latest revision is updated with its row, so that the admin and
`export_catalogue` show the same. The values are written out here: a migration reads no
application code or data file, which change after it was written."""

from django.db import migrations, models

# The editors' translations in fixtures/catalogue.json when this migration was written.
CATEGORIES = {
    'tech-rnd': 'Technical R&D',
    'data-engineering': 'Data Engineering',
    'product': 'Product',
    'operations': 'Operations',
    'content': 'Content',
    'project-management': 'Project Management',
    'marketing-sales': 'Marketing & Sales',
    'brand': 'Brand',
    'design': 'Design',
    'training-services': 'Training & Services',
}
COMPANY_TYPES = {
    'tech-company': 'Technology companies',
    'research-institute': 'Research institutes',
    'university': 'Universities',
    'financial-institution': 'Financial institutions',
    'medical-institution': 'Medical institutions',
    'security-company': 'Security companies',
    'autonomous-driving-company': 'Autonomous driving companies',
    'media-company': 'Media companies',
    'ecommerce-company': 'E-commerce companies',
    'software-company': 'Software development companies',
    'internet-company': 'Internet enterprises',
    'nlp-startup': 'NLP start-ups',
    'ai-product-provider': 'AI product providers',
    'tech-service-center': 'Technical service centres',
    'market-research-firm': 'Market research firms',
    'data-service-company': 'Data service companies',
    'outsourcing-company': 'Outsourcing companies',
    'consulting-company': 'Consulting firms',
    'industry-solution-provider': 'Industry solution providers',
    'product-design-company': 'Product design companies',
    'it-service-company': 'IT service companies',
    'large-enterprise': 'Large enterprises',
    'education-institution': 'Educational institutions',
    'community-platform': 'Industry community platforms',
    'advertising-company': 'Advertising agencies',
    'content-platform': 'Content platforms',
    'social-media': 'Social media platforms',
    'project-outsourcing-company': 'Project outsourcing companies',
    'industry-ai-project-enterprise': 'Enterprises with AI projects across industries',
    'ai-rnd-company': 'AI R&D companies',
    'brand-marketing-company': 'Brand marketing agencies',
    'creative-studio': 'Creative studios',
    'content-creation-company': 'Content creation companies',
    'brand-owner': 'Brand owners',
    'data-analytics-company': 'Data analytics companies',
    'design-studio': 'Design studios',
    'game-company': 'Game companies',
    'animation-studio': 'Animation studios',
    'film-tv-production-company': 'Film and TV production companies',
    'brand-planning-company': 'Brand planning agencies',
    'packaging-design-company': 'Packaging design companies',
    'startup': 'Start-ups',
    'tech-incubator': 'Technology incubators',
    'vc-backed-project': 'Venture-capital-backed projects',
    'training-institution': 'Training institutions',
    'online-learning-platform': 'Online learning platforms',
    'education-consulting-company': 'Education consulting firms',
    'customer-service-center': 'Customer service centres',
    'government-department': 'Relevant government departments',
    'ethics-consulting-firm': 'Ethics consulting firms',
    'data-protection-consulting-firm': 'Data protection consulting firms',
}
BACKGROUNDS = {
    'programming': 'Programming',
    'ml-data-mining': 'Machine learning and data mining',
    'mathematics': 'Mathematics',
    'data-processing': 'Data processing',
    'database-management': 'Database management',
    'data-analysis': 'Data analysis',
    'market-analysis': 'Market analysis',
    'product-planning': 'Product planning',
    'project-management': 'Project management',
    'communication-coordination': 'Communication and coordination',
    'user-operations': 'User operations',
    'content-operations': 'Content planning and operations',
    'event-planning': 'Event planning',
    'creativity': 'Creativity',
    'writing': 'Writing skills',
    'organisation-coordination': 'Organisation and coordination',
    'risk-control': 'Risk control',
    'logical-thinking': 'Logical thinking',
    'marketing': 'Marketing background',
    'brand-marketing': 'Brand marketing background',
    'traditional-design': 'Traditional design experience',
    'aesthetics': 'Aesthetic sense',
    'ai-technology': 'AI technology background',
    'teaching': 'Teaching experience',
    'customer-service': 'Customer service',
}

ARTICLE_LEAD = (
    "随着人工智能技术的快速发展，AI领域正成为职场新宠，为专业人士提供了丰富的职业发展机会。"
    "本文盘点了当前市场上热门的AI岗位，帮助你了解这些岗位的角色定义、核心技能要求以及潜在的就业机会。"
)
SITE_INTRO = (
    "AI岗位图谱把一篇介绍热门 AI 岗位的文章整理成可以筛选和对比的目录：按公司类型、技能和门槛找岗位，"
    "或者从你现在的背景出发，看看哪些岗位适合你、还差哪些技能。"
)
SITE_INTRO_EN = (
    "AI Roles Catalogue turns an article on in-demand AI roles into a catalogue you can filter and "
    "compare: find roles by company type, skill and threshold, or start from your own background "
    "to see which roles suit you and which skills you still need."
)
PUBLISHER = "人人都是产品经理"
ARTICLE_URL = "https://www.woshipm.com/zhichang/6153099.html"


def update_page(page, fields, Revision):
    for name, value in fields.items():
        setattr(page, name, value)
    page.save(update_fields=list(fields))
    if page.latest_revision_id:
        revision = Revision.objects.get(pk=page.latest_revision_id)
        revision.content.update(fields)
        revision.save(update_fields=["content"])


def fill(apps, schema_editor):
    Revision = apps.get_model("wagtailcore", "Revision")
    for model_name, names in (("CompanyType", COMPANY_TYPES), ("Background", BACKGROUNDS)):
        model = apps.get_model("roles", model_name)
        for term in model.objects.filter(english_name="", slug__in=names):
            term.english_name = names[term.slug]
            term.save(update_fields=["english_name"])
    Category = apps.get_model("roles", "RoleCategoryPage")
    for page in Category.objects.filter(english_name="", slug__in=CATEGORIES):
        update_page(page, {"english_name": CATEGORIES[page.slug]}, Revision)
    Index = apps.get_model("roles", "RoleIndexPage")
    for page in Index.objects.filter(intro=ARTICLE_LEAD):
        fields = {"intro": SITE_INTRO, "intro_en": SITE_INTRO_EN}
        if page.source_url == ARTICLE_URL and not page.source_publisher:
            fields["source_publisher"] = PUBLISHER
        update_page(page, fields, Revision)



class Migration(migrations.Migration):

    dependencies = [
        ("roles", "0010_rolepage_body"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name='roleindexpage',
            name='intro_en',
            field=models.TextField(blank=True, help_text='英文界面显示的本站介绍。', max_length=2000, verbose_name='本站介绍（英文）'),
        ),
        migrations.AddField(
            model_name='roleindexpage',
            name='source_publisher',
            field=models.CharField(blank=True, help_text='例如 人人都是产品经理。', max_length=100, verbose_name='来源文章发布平台'),
        ),
        migrations.AlterField(
            model_name='background',
            name='english_name',
            field=models.CharField(help_text='英文界面显示的名称，由编辑翻译（原文只有中文）。', max_length=100, verbose_name='英文名称'),
        ),
        migrations.AlterField(
            model_name='companytype',
            name='english_name',
            field=models.CharField(help_text='英文界面显示的名称，由编辑翻译（原文只有中文）。', max_length=100, verbose_name='英文名称'),
        ),
        migrations.AlterField(
            model_name='rolecategorypage',
            name='english_name',
            field=models.CharField(help_text='英文界面显示的类别名称，由编辑翻译（原文只有中文）。', max_length=100, verbose_name='英文名称'),
        ),
        migrations.AlterField(
            model_name='roleindexpage',
            name='intro',
            field=models.TextField(blank=True, help_text='首页标题下的一段话，用本站自己的口吻介绍网站；不要引用原文。', max_length=2000, verbose_name='本站介绍'),
        ),
        migrations.AlterField(
            model_name='rolepage',
            name='english_name',
            field=models.CharField(blank=True, help_text='由编辑翻译，例如 Prompt Engineer；页面和开放数据中标为编辑添加。', max_length=120, verbose_name='英文名称'),
        ),
        migrations.AlterField(
            model_name='rolepage',
            name='synonyms',
            field=models.TextField(blank=True, help_text='每行一个，供搜索使用，例如“提示词工程师”。别名由编辑添加（不是原文），页面和开放数据中标为编辑添加。', verbose_name='别名'),
        ),
        migrations.AlterField(
            model_name='skill',
            name='english_name',
            field=models.CharField(help_text='英文界面显示的名称，由编辑翻译（原文只有中文）。', max_length=100, verbose_name='英文名称'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
