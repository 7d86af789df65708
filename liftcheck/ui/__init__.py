"""The Streamlit app's pages and shared views; the only part of the package that imports streamlit."""
