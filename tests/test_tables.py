"""ui.tables.formatted: what st.dataframe is given for a table with gaps."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from ui.tables import formatted


def test_a_column_with_gaps_is_text_written_as_the_styler_writes_numbers_and_arrow_takes_it_as_is():
    table = pd.DataFrame(
        {
            "签约到开工中位数（天）": [60.0, None, 1234.5],
            "排名": pd.array([1, None, 12_000], dtype="Int64"),
            "开发区": ["甲", None, "<b>乙</b>"],
            "项目（个）": [4, 0, 2],  # no gap: stays a number
        }
    )
    data = formatted(table).data
    assert data["签约到开工中位数（天）"].tolist() == ["60.00", "—", "1,234.50"]
    assert data["排名"].tolist() == ["1", "—", "12,000"]
    assert data["开发区"].tolist() == ["甲", "—", "<b>乙</b>"]  # text as it is (st.dataframe shows it as text)
    assert data["项目（个）"].tolist() == [4, 0, 2]
    pa.Table.from_pandas(data)  # no mixed column: Streamlit's conversion (and its logged traceback) is not needed
