"""Pure pandas tables behind the pages (supply, idle land, 三个一批); no Streamlit, no storage."""
