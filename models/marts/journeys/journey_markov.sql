with int_journey_markov as (

    select * from {{ ref('int_journey_markov') }}

),

final as (

    {{ select_contract_columns('int_journey_markov') }}

)

select * from final
