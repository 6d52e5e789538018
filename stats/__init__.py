"""The statistics behind each page and report (supply, idle land, 三个一批, the state on a date, the 通报's
figures): pure pandas over a Dataset's frames, no Streamlit and no storage. Above geodata, below the pages,
ui and reports that show them."""
