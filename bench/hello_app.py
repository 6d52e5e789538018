"""Baseline for bench/first_map.py: the smallest Streamlit page with Chinese text."""

import streamlit as st

st.title("你好，开发区")
