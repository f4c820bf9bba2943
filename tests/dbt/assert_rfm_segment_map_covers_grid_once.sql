-- Every (r_score, fm_score) cell of the 5x5 grid belongs to exactly one RFM segment.
with rfm_segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

scores as (

    select 1 as score union all select 2 union all select 3 union all select 4 union all select 5

),

cells as (

    select r.score as r_score, fm.score as fm_score
    from scores as r
    cross join scores as fm

),

cell_matches as (

    select
        cells.r_score,
        cells.fm_score,
        count(rfm_segment_map.rfm_segment) as segments
    from cells
    left join rfm_segment_map
        on cells.r_score between rfm_segment_map.r_score_min and rfm_segment_map.r_score_max
        and cells.fm_score between rfm_segment_map.fm_score_min and rfm_segment_map.fm_score_max
    group by cells.r_score, cells.fm_score

)

select * from cell_matches where segments <> 1
