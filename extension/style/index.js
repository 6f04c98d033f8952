import './base.css';
import './display.css';
import './database.css';
