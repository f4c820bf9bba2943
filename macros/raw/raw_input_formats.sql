{% macro raw_input_format_specs() -%}
    {#- entities: the entity folders a format can feed, each with the macro mapping its rows into
        that entity's contract; required: the format's own columns every file must have;
        json: JSON Lines files are listed too; reads: raw views the mapping joins. -#}
    {{ return({
        'segment_tracks': {
            'entities': {'web_events': 'raw_format__segment_tracks'},
            'required': {'web_events': ['id', 'anonymous_id', 'event', 'timestamp']},
            'json': true, 'reads': []},
        'segment_pages': {
            'entities': {'web_events': 'raw_format__segment_pages'},
            'required': {'web_events': ['id', 'anonymous_id', 'timestamp']},
            'json': true, 'reads': []},
        'segment_identifies': {
            'entities': {'web_events': 'raw_format__segment_identifies'},
            'required': {'web_events': ['id', 'anonymous_id', 'user_id', 'timestamp']},
            'json': true, 'reads': []},
        'snowplow_events': {
            'entities': {'web_events': 'raw_format__snowplow_events'},
            'required': {'web_events': ['event_id', 'domain_userid', 'event_name', 'collector_tstamp']},
            'json': true, 'reads': []},
        'ga4_events': {
            'entities': {'web_events': 'raw_format__ga4_events'},
            'required': {'web_events': ['event_name', 'event_timestamp', 'user_pseudo_id']},
            'json': true, 'reads': []},
        'shopify_orders': {
            'entities': {'orders': 'raw_format__shopify_orders',
                         'order_items': 'raw_format__shopify_order_items'},
            'required': {'orders': ['name', 'email', 'created at', 'total'],
                         'order_items': ['name', 'lineitem quantity', 'lineitem price']},
            'json': false, 'reads': ['customers']},
        'shopify_customers': {
            'entities': {'customers': 'raw_format__shopify_customers'},
            'required': {'customers': ['customer id', 'email']},
            'json': false, 'reads': []},
    }) }}
{%- endmacro %}


{% macro raw_input_format_spec(input_format) -%}
    {%- set specs = raw_input_format_specs() -%}
    {%- if input_format not in specs -%}
        {{ exceptions.raise_compiler_error(
            "var raw_formats: unknown input format '" ~ input_format ~ "' (known: "
            ~ specs.keys() | sort | join(', ') ~ "; docs/input-formats.md)"
        ) }}
    {%- endif -%}
    {{ return(specs[input_format]) }}
{%- endmacro %}


{% macro raw_entity_formats(entity) -%}
    {%- set configured = (var('raw_formats', {}) or {}).get(entity) -%}
    {%- if configured is none or configured == '' -%}{{ return([]) }}{%- endif -%}
    {%- if configured is string -%}{{ return([configured | trim]) }}{%- endif -%}
    {{ return(configured | map('trim') | list) }}
{%- endmacro %}


{% macro raw_entity_relation(entity) -%}
    {%- set relation = (var('raw_relations', {}) or {}).get(entity) -%}
    {{ return(none if relation is none or relation == '' else relation | string | trim) }}
{%- endmacro %}


{% macro raw_entity_folders(raw_dir, entity) -%}
    {%- set formats = raw_entity_formats(entity) -%}
    {%- set entity_dir = raw_dir ~ '/' ~ entity -%}
    {%- if not formats -%}
        {{ return([{'path': entity_dir, 'input_format': none}]) }}
    {%- elif (var('raw_formats', {}) or {}).get(entity) is string -%}
        {{ return([{'path': entity_dir, 'input_format': formats[0]}]) }}
    {%- endif -%}
    {%- set folders = [] -%}
    {%- for input_format in formats -%}
        {%- do folders.append({'path': entity_dir ~ '/' ~ input_format, 'input_format': input_format}) -%}
    {%- endfor -%}
    {{ return(folders) }}
{%- endmacro %}


{% macro check_raw_input_settings(nodes) -%}
    {%- set entities = nodes | map(attribute='meta') | map(attribute='raw_entity') | list -%}
    {%- for var_name in ['raw_formats', 'raw_relations'] -%}
        {%- for entity in (var(var_name, {}) or {}).keys() if entity not in entities -%}
            {{ exceptions.raise_compiler_error(
                "var " ~ var_name ~ ": '" ~ entity ~ "' is no raw entity folder (known: "
                ~ entities | unique | sort | join(', ') ~ ")"
            ) }}
        {%- endfor -%}
    {%- endfor -%}
    {%- for entity in entities -%}
        {%- set formats = raw_entity_formats(entity) -%}
        {%- for input_format in formats -%}
            {%- set spec = raw_input_format_spec(input_format) -%}
            {%- if entity not in spec.entities -%}
                {{ exceptions.raise_compiler_error(
                    "var raw_formats: input format '" ~ input_format ~ "' cannot feed entity '"
                    ~ entity ~ "' (it feeds: " ~ spec.entities.keys() | sort | join(', ') ~ ")"
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {%- if raw_entity_relation(entity) is not none and formats | length > 1 -%}
            {{ exceptions.raise_compiler_error(
                "var raw_relations: entity '" ~ entity ~ "' reads one relation, so var raw_formats"
                ~ " gives it one input format, not a list"
            ) }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}


{% macro raw_views_in_order(nodes) -%}
    {%- set first = [] -%}
    {%- set last = [] -%}
    {%- for source_node in nodes -%}
        {%- set reads = [] -%}
        {%- for input_format in raw_entity_formats(source_node.meta['raw_entity']) -%}
            {%- do reads.extend(raw_input_format_spec(input_format).reads) -%}
        {%- endfor -%}
        {%- do (last if reads else first).append(source_node) -%}
    {%- endfor -%}
    {{ return(first + last) }}
{%- endmacro %}


{% macro raw_reader_columns(reader_sql) -%}
    {%- set described = run_query('describe ' ~ reader_sql) -%}
    {{ return(described.columns[0].values() | map('lower') | list) }}
{%- endmacro %}


{% macro raw_formatted_entity_select(source_node, raw_dir, files) -%}
    {%- set entity = source_node.meta['raw_entity'] -%}
    {%- set contract = raw_contract_columns(source_node) -%}
    {%- set relation = raw_entity_relation(entity) -%}
    {%- set formats = raw_entity_formats(entity) -%}
    {%- set mapped_selects = [] -%}
    {%- if relation is not none -%}
        {%- set label = raw_source_label(source_node, 'relation ' ~ relation) -%}
        {%- set rows_sql = "(select *, " ~ sql_string_literal(relation) ~ " as _source_file,"
            ~ " row_number() over () as _source_row_number from " ~ relation ~ ")" -%}
        {%- set present = raw_reader_columns('select * from ' ~ rows_sql) -%}
        {%- do mapped_selects.append(raw_mapped_rows(
            source_node, contract, formats[0] if formats else none, rows_sql, present,
            {relation: present}, label)) -%}
    {%- else -%}
        {%- for input_format in formats -%}
            {%- set format_files = files | selectattr('input_format', 'equalto', input_format) | list -%}
            {%- if format_files -%}
                {%- set label = raw_source_label(source_node, format_files[0].path.rsplit('/', 1)[0]) -%}
                {%- set columns_by_file = {} -%}
                {%- for file in format_files -%}
                    {%- do columns_by_file.update({file.path: raw_reader_columns(
                        'select * from (' ~ raw_file_readers([file]) | join(' union all by name ') ~ ')'
                    )}) -%}
                {%- endfor -%}
                {%- set rows_sql = '(' ~ raw_file_readers(format_files) | join(' union all by name ') ~ ')' -%}
                {%- set present = raw_reader_columns('select * from ' ~ rows_sql) -%}
                {%- do mapped_selects.append(raw_mapped_rows(
                    source_node, contract, input_format, rows_sql, present, columns_by_file, label)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if mapped_selects -%}
        {{ raw_view_rows(contract, contract | map(attribute='name') | list,
            mapped_selects | join(' union all by name ')) }}
    {%- else -%}
        {{ raw_empty_view(contract) }}
    {%- endif -%}
{%- endmacro %}


{% macro raw_mapped_rows(source_node, contract, input_format, rows_sql, present, columns_by_file, label) -%}
    {%- if input_format is none -%}
        {#- A relation in the project's own contract: its contract columns as they are. -#}
        {%- do check_required_columns(contract, columns_by_file, label) -%}
        {%- set columns = {} -%}
        {%- for column in contract if column.name in present -%}
            {%- do columns.update({column.name: adapter.quote(column.name)}) -%}
        {%- endfor -%}
        {%- set mapping = {'columns': columns, 'from': rows_sql ~ ' as source_rows'} -%}
    {%- else -%}
        {%- set entity = source_node.meta['raw_entity'] -%}
        {%- set spec = raw_input_format_spec(input_format) -%}
        {%- set required = [] -%}
        {%- for name in spec.required[entity] -%}
            {%- do required.append({'name': name, 'required': true}) -%}
        {%- endfor -%}
        {%- do check_required_columns(required, columns_by_file, label ~ ", input format " ~ input_format) -%}
        {%- set mapping = context[spec.entities[entity]](rows_sql, present) -%}
    {%- endif -%}
    {%- set selected = [] -%}
    {%- for column in contract -%}
        {%- set expression = mapping.columns.get(column.name) -%}
        {%- do selected.append(
            (expression if expression is not none else 'null') ~ ' as ' ~ adapter.quote(column.name)
        ) -%}
    {%- endfor -%}
    {{ return('select ' ~ selected | join(', ') ~ ', _source_file, _source_row_number from '
        ~ mapping['from']) }}
{%- endmacro %}


{% macro raw_format_column(present, name) -%}
    {%- if name | lower in present -%}
        {{ return(adapter.quote(name)) }}
    {%- endif -%}
    {{ return('cast(null as varchar)') }}
{%- endmacro %}


{% macro raw_format_text(present, name) -%}
    {{ return("nullif(trim(cast(" ~ raw_format_column(present, name) ~ " as varchar)), '')") }}
{%- endmacro %}


{% macro raw_format_json_text(expression, path) -%}
    {{ return("json_extract_string(to_json(" ~ expression ~ "), " ~ sql_string_literal(path) ~ ")") }}
{%- endmacro %}


{% macro raw_format_utc_text(timestamp_expression) -%}
    {{ return("strftime(timezone('UTC', " ~ timestamp_expression ~ "), '%Y-%m-%dT%H:%M:%S.%fZ')") }}
{%- endmacro %}
